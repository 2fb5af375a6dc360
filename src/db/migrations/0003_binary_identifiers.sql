ALTER TABLE `idempotency_keys` MODIFY COLUMN `subject` varbinary(64) NOT NULL;--> statement-breakpoint
ALTER TABLE `idempotency_keys` MODIFY COLUMN `scope` varbinary(160) NOT NULL;--> statement-breakpoint
ALTER TABLE `idempotency_keys` MODIFY COLUMN `idem_key` varbinary(64) NOT NULL;--> statement-breakpoint
ALTER TABLE `idempotency_keys` MODIFY COLUMN `request_hash` varbinary(64) NOT NULL;--> statement-breakpoint
ALTER TABLE `order_events` MODIFY COLUMN `event_id` varbinary(64) NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` MODIFY COLUMN `reservation_id` varbinary(40) NOT NULL;--> statement-breakpoint
ALTER TABLE `reservation_outcomes` MODIFY COLUMN `reservation_id` varbinary(40) NOT NULL;--> statement-breakpoint
UPDATE `idempotency_keys` SET `subject` = SHA2(`subject`, 256) WHERE LENGTH(`subject`) <> 64;
