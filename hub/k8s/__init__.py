"""Zero to JupyterHub deployment files and the Kubernetes grading Jobs (DEPLOY.md)."""
