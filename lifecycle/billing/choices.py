"""BillingOptions from a user's choices, as the command line and the Python API take them."""

from __future__ import annotations

from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.environ import environment_region


def billing_options(region: str | None = None, architecture: str | None = None,
                    package: str | None = None, runtime: str | None = None,
                    provisioned: int | None = None,
                    monthly_gb_seconds: float | None = None) -> BillingOptions:
    """``BillingOptions`` for these choices (None: not chosen). Architecture and package are
    compared lower-case; the default Region (used where neither ``region`` nor the input names
    one) is ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, as the AWS CLI reads them. Raises
    InputError (from BillingOptions) for an unknown or out-of-range value."""
    env_name, env_region = environment_region()
    return BillingOptions(
        default_region=env_region,
        default_region_from=env_name,
        region=region or None,
        architecture=architecture.lower() if architecture else None,
        package=package.lower() if package else None,
        runtime=runtime or None,
        provisioned=provisioned,
        monthly_gb_seconds=monthly_gb_seconds,
    )
