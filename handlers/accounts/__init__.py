"""Accounts: registering, logging in and out, and the user's own profile."""

from handlers.accounts.avatar_delete import avatar_delete
from handlers.accounts.avatar_get import avatar_get
from handlers.accounts.avatar_put import avatar_put
from handlers.accounts.login import login
from handlers.accounts.logout import logout
from handlers.accounts.me_delete import me_delete
from handlers.accounts.me_get import me_get
from handlers.accounts.me_update import me_update
from handlers.accounts.password_change import password_change
from handlers.accounts.register import register

ROUTES = [
    register,
    login,
    logout,
    me_get,
    me_update,
    password_change,
    me_delete,
    avatar_put,
    avatar_get,
    avatar_delete,
]
