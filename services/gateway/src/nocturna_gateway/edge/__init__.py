"""Edge authentication: who is calling (access token or API key), decided before a request goes upstream."""
