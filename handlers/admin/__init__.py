"""Administration: managing users, for the admin role only."""

from handlers.admin.user_create import user_create
from handlers.admin.user_delete import user_delete
from handlers.admin.user_get import user_get
from handlers.admin.user_update import user_update
from handlers.admin.users_list import users_list

ROUTES = [users_list, user_create, user_get, user_update, user_delete]
