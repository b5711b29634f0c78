"""Poetry plugin: `poetry install-locked` installs a project's dependencies from poetry.lock alone."""
