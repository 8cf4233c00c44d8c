"""Point ``celery -A omega_tasks flower`` at Omega's Flower configuration.

Flower takes its options from the command line, FLOWER_* variables and a configuration file
(``flowerconfig.py`` in the working directory unless ``--conf`` names another). The app
names its own file instead, so Flower started from anywhere binds 127.0.0.1 and requires
basic auth (see ``flower.cfg``); ``--conf`` still wins.
"""

from __future__ import annotations

from importlib import resources

from flower import options as flower_options  # defines Flower's options, "conf" among them
from tornado.options import options


def use_omega_config() -> None:
    """Make Omega's Flower configuration the one Flower reads unless told otherwise."""
    if options.conf == flower_options.DEFAULT_CONFIG_FILE:
        options.conf = str(resources.files("omega_tasks.worker").joinpath("flower.cfg"))
