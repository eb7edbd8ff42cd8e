"""The demonstration: realistic data for both départements (`relais demo`)."""
