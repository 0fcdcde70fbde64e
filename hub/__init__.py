"""The course's JupyterHub: configuration, local launcher (`make hub`) and publishing."""
