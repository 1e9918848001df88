"""The web group: the built browser client (`web/dist`) at `/`."""

from handlers.web.client import client_index, client_path

ROUTES = [client_index, client_path]
