CREATE TABLE `stock_ledger` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`option_id` bigint unsigned NOT NULL,
	`delta` int NOT NULL,
	`order_id` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`applied_at` datetime(3),
	CONSTRAINT `stock_ledger_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `stock_ledger_pending_idx` ON `stock_ledger` (`applied_at`,`option_id`);