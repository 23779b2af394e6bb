"""Publisher catalog: which AWS accounts publish which public layers, from the data file beside this module.

API (used by rules, init, scp and inventory):

- ``load() -> Catalog`` (cached);
- ``Catalog.vendor(key) -> Vendor | None`` (key such as "datadog"; case-insensitive; names accepted too);
- ``Catalog.publisher(arn: LayerArn) -> Vendor | None``: the vendor that publishes from ``arn.account``
  in that partition and region (UNCONFIRMED accounts are not labelled);
- ``Catalog.is_extension(arn: LayerArn) -> bool``: the catalog knows this layer name from this publisher as
  an extension layer;
- ``Catalog.accounts(vendor_key, partition=None, region=None) -> frozenset[str]``;
- ``Catalog.label(account, partition="aws", region=None) -> str``: "464622532012 (Datadog)" or the bare account.
"""
