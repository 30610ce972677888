"""AWS access (CloudWatch Logs, Lambda, Price List): the only place that calls AWS."""
