"""`layergate inventory`: which deployed functions load which layers, from whom, across an organization.

- ``model``: the records (accounts, functions, layer versions, what could not be covered);
- ``accounts``: the caller, the organization's accounts, assuming a role in each, enabled regions;
- ``collect``: listing functions and published layers per account and region, describing each distinct
  layer version once, listing the versions of the layers in use, all in bounded pools;
- ``findings``: the deployed state as ``Scan`` records, so the rules of ``check`` run unchanged on it;
- ``stale`` and ``orphans``: the two rules only an inventory can decide (LG701, LG702);
- ``output``: text and JSON, and the dispatch to the csv, sarif, html and asff writers.

Like ``layergate.aws``, nothing here imports boto3 at module level.
"""

DEFAULT_ROLE = "OrganizationAccountAccessRole"  # the role AWS Organizations creates in the accounts it creates
