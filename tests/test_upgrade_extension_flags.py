"""What `upgrade --apply` records as ``extension:`` when the new version's content could not be read.

The paths with content are run against moto with real zips in test_upgrade_cli.py; these are the ones a
download failure takes: nothing is guessed, except that a layer the catalog lists as an extension stays one.
"""

from __future__ import annotations

from layergate import catalog
from layergate.arn import LayerArn
from layergate.lockfile import Edit
from layergate.upgrade.diffs import DiffResult
from layergate.upgrade.extension_flags import Flag, flags, settle

OURS = LayerArn.parse("arn:aws:lambda:us-east-1:123456789012:layer:team-utils:2")
DATADOG = LayerArn.parse("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:67")
FAILED = "cannot download arn:aws:lambda:us-east-1:123456789012:layer:team-utils:2: connection reset"


def test_a_failed_download_leaves_the_flag_and_the_review_out() -> None:
    diffs = [DiffResult(OURS.with_version(1), OURS, None, FAILED)]
    found = flags([OURS], diffs, catalog.load(), "--no-diff: its content was not read")
    assert found == {str(OURS): Flag(None, f"  extension: not determined ({FAILED}): recorded without extension "
                                           "and reviewed_by; set extension: true or false after reading its content")}
    edit = Edit(str(OURS), (("sha256", "ab" * 32), ("extension", False), ("reviewed_by", "alice"),
                            ("reviewed_at", "2026-12-07")))
    assert settle([edit], found) == [Edit(str(OURS), (("sha256", "ab" * 32),))]


def test_a_layer_the_catalog_lists_as_an_extension_stays_one_without_its_content() -> None:
    found = flags([DATADOG], [], catalog.load(), "--no-diff: its content was not read")
    assert found == {str(DATADOG): Flag(True, "  extension: true (the catalog lists this layer as an extension; "
                                              "--no-diff: its content was not read)")}
    edit = Edit(str(DATADOG), (("sha256", "cd" * 32), ("reviewed_by", "alice")), (("extension", False),))
    assert settle([edit], found) == [
        Edit(str(DATADOG), (("sha256", "cd" * 32), ("reviewed_by", "alice")), (("extension", True),))]
