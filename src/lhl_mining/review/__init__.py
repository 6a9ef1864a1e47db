"""The coding-review web app: server, templates and static assets (all served locally)."""
