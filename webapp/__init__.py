"""Samen's web application (Flask). A placeholder until the web app issue builds it."""
