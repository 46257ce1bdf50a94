"""Background jobs: long work off the request, with progress a person can watch.

Anything that can take seconds (a large import or export, a report, a bulk recomputation) runs as
a *job*: a row people see (`Job`: title, status, progress, message, a result file or link, owner,
organisation). `soms worker` takes waiting jobs from that table, organisations in turn
(`soms.jobs.queue`: round-robin, a cap on each organisation's running jobs, a cap on its waiting
ones, jobs of dead workers reclaimed), and runs Django tasks (django-tasks-db) between them;
`soms start` starts one beside the server.

Making an operation a job takes three steps::

    # 1. yourapp/jobs.py: a module-level function, registered, taking ids (plain JSON values)
    from soms.jobs.runner import JobContext, JobError, job

    @job
    def framework_export_job(ctx: JobContext, *, version_id: int, fmt: str) -> str:
        version = FrameworkVersion.objects.filter(pk=version_id, framework__organisation=ctx.organisation).first()
        if version is None:                       # the row vanished while the job waited
            raise JobError("The version was deleted before the export ran.")
        for i, chunk in enumerate(chunks):
            ctx.progress(i + 1, len(chunks), "Writing statements")   # throttled: call it freely
        ctx.result_file("framework.csv", data, content_type="text/csv")   # or ctx.result_link(url, label)
        return "Exported 1,234 statements."         # the job's final message

    # 2. the edge (page, API or CLI) validates the input, then starts the job: workers see it once
    #    the transaction commits, so never a half-written input. It raises QueueFull (a 429 on
    #    pages and the API, naming the limit) when too many jobs wait already
    from soms.jobs.services import job_start
    job = job_start(job_function=framework_export_job, organisation=org, owner=request.user,
                    title=f"Export {version}", params={"version_id": version.pk, "fmt": "csv"})

    # 3. show it: a page redirects to `reverse("job-detail", args=[job.pk])` (a progress bar that
    #    polls itself with htmx and offers the result); the API answers
    #    `Status(202, job_out(job))` (`soms.jobs.api.job_out`, with `url` to poll
    #    `GET /api/v1/jobs/{id}`); a command passes `enqueue=False` to job_start and calls
    #    `soms.jobs.cli.job_run_in_foreground(job, stdout=self.stdout)` for a rich progress bar.

Writes inside a job go through services, as everywhere (the job's owner is `ctx.actor`); keep each
transaction short (SQLite has one write lock). An exception other than `JobError` marks the job
failed with a generic message and is logged with its traceback. A job whose worker is killed runs
again from the start (SOMS_JOBS_MAX_ATTEMPTS): write in one transaction, or so that a second run
is harmless. Tests wrap the request in
`soms.jobs.testing.jobs_run()`, after which the queued jobs have run.

Periodic work (nightly recomputation, housekeeping) is registered with
`soms.jobs.schedule.periodic` in an app's `periodic.py` and run by `soms cron`.
"""
