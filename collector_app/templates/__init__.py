"""Message templates: one sandboxed Jinja2 environment over resources/templates/<lang>/."""
