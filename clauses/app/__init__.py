"""The application shell: the job behind each command and flow, the Prefect server."""
