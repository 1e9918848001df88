"""Queue-triggered: analyse one uploaded file, row by row."""

from domain.jobs import JobRunner


async def run_file_job(job_id: int, runner: JobRunner) -> None:
    """Run the queued job `job_id`; the queue calls this for every job it hands out."""
    await runner.run(job_id)
