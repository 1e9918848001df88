"""File jobs: upload a spreadsheet, follow it, download the result.

`run_file_job` is the queue-triggered handler the worker runs; it is not
an HTTP route.
"""

from handlers.jobs.job_create import job_create
from handlers.jobs.job_delete import job_delete
from handlers.jobs.job_get import job_get
from handlers.jobs.job_result import job_result
from handlers.jobs.jobs_list import jobs_list
from handlers.jobs.run_file_job import run_file_job

ROUTES = [job_create, jobs_list, job_get, job_result, job_delete]

__all__ = ["ROUTES", "run_file_job"]
