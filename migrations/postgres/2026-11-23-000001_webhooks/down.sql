DROP STATISTICS events_target_any;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
