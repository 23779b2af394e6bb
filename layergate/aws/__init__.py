"""Everything that talks to AWS. Only the online commands (lock, verify) import this package.

boto3 and botocore are imported inside functions, never at module level, so that importing a module
here costs nothing and ``layergate check`` stays offline and light.

- ``session``: boto3 clients per region (profile, endpoint, standard retries);
- ``failures``: turning botocore exceptions into one line a user can act on;
- ``layers``: GetLayerVersion / GetLayerVersionPolicy for many layer versions at once;
- ``download``: fetching a layer zip from ``Content.Location`` and hashing it;
- ``pool``: the bounded thread pool and the progress bar.
"""
