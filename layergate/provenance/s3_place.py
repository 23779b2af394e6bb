"""Reading an attestation kept as an S3 object (``s3://bucket/key``), with the online command's AWS settings.

Teams keep bundles in a private bucket beside the layer artifacts. A missing object is "no attestation"
(LG306 naming the place); any other failure (access denied, no credentials, endpoint down) is the reason the
attestation could not be read, also LG306: never a pass.
"""

from __future__ import annotations

from typing import Any

from layergate.provenance.locate import MAX_BYTES, NotThere, S3Get, Unreadable

_MISSING = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})


def reader(profile: str | None, endpoint_url: str | None, region: str = "us-east-1") -> S3Get:
    """An ``S3Get`` whose client is made on first use (most runs never read from S3)."""
    client: list[Any] = []

    def get(bucket: str, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        from layergate.aws.session import AwsSettings, client_config, new_session

        place = f"s3://{bucket}/{key}"
        try:
            if not client:
                settings = AwsSettings(profile=profile, endpoint_url=endpoint_url, jobs=1)
                # botocore follows the bucket's region when it differs from this one
                client.append(new_session(settings).client("s3", region_name=region, config=client_config(settings),
                                                           endpoint_url=endpoint_url))
            answer = client[0].get_object(Bucket=bucket, Key=key)
            if int(answer.get("ContentLength") or 0) > MAX_BYTES:
                raise Unreadable(f"larger than {MAX_BYTES >> 20} MiB: not an attestation")
            return bytes(answer["Body"].read(MAX_BYTES + 1))
        except ClientError as e:
            error = e.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code in _MISSING:
                raise NotThere(place) from None
            message = " ".join(str(error.get("Message", "")).split())
            raise Unreadable(f"S3 GetObject {code}" + (f": {message}" if message else "")) from None
        except BotoCoreError as e:
            raise Unreadable(f"S3 GetObject: {e}") from None

    return get
