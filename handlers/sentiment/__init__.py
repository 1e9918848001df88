"""Sentiment: analysing texts and the history of those analysed."""

from handlers.sentiment.analyze import analyze
from handlers.sentiment.analyze_batch import analyze_batch
from handlers.sentiment.history_delete import history_delete
from handlers.sentiment.history_list import history_list

ROUTES = [analyze, analyze_batch, history_list, history_delete]
