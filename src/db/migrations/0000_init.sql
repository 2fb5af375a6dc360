CREATE TABLE `users` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `users_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `point_history` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`type` enum('CHARGE','USE','REFUND') NOT NULL,
	`amount` bigint NOT NULL,
	`balance_after` bigint NOT NULL,
	`order_id` bigint unsigned,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `point_history_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `point_wallets` (
	`user_id` bigint unsigned NOT NULL,
	`balance` bigint NOT NULL DEFAULT 0,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `point_wallets_user_id` PRIMARY KEY(`user_id`)
);
--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`subject` varchar(64) NOT NULL,
	`scope` varchar(160) NOT NULL,
	`idem_key` varchar(64) NOT NULL,
	`request_hash` char(64) NOT NULL,
	`state` enum('RUNNING','DONE') NOT NULL,
	`response_status` int,
	`response_body` text,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `idempotency_keys_subject_scope_idem_key_pk` PRIMARY KEY(`subject`,`scope`,`idem_key`)
);
--> statement-breakpoint
CREATE TABLE `product_options` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`product_id` bigint unsigned NOT NULL,
	`name` varchar(100) NOT NULL,
	`price` bigint NOT NULL,
	`stock` int NOT NULL,
	`position` int NOT NULL,
	CONSTRAINT `product_options_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `products` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`description` varchar(1000),
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `products_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `coupons` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`discount_type` enum('FIXED','PERCENT') NOT NULL,
	`discount_value` bigint NOT NULL,
	`total_quantity` int NOT NULL,
	`issue_starts_at` datetime(3),
	`issue_ends_at` datetime(3),
	`valid_days` int NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `coupons_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `user_coupons` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`coupon_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`status` enum('AVAILABLE','USED') NOT NULL,
	`issued_at` datetime(3) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`used_at` datetime(3),
	`order_id` bigint unsigned,
	CONSTRAINT `user_coupons_id` PRIMARY KEY(`id`),
	CONSTRAINT `user_coupons_coupon_user_uq` UNIQUE(`coupon_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `order_events` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`event_id` varchar(64) NOT NULL,
	`order_id` bigint unsigned NOT NULL,
	`event` enum('order.paid','order.cancelled') NOT NULL,
	`payload` text NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`delivered_at` datetime(3),
	`attempts` int NOT NULL DEFAULT 0,
	CONSTRAINT `order_events_id` PRIMARY KEY(`id`),
	CONSTRAINT `order_events_event_uq` UNIQUE(`event_id`)
);
--> statement-breakpoint
CREATE TABLE `order_items` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`order_id` bigint unsigned NOT NULL,
	`position` int NOT NULL,
	`product_id` bigint unsigned NOT NULL,
	`option_id` bigint unsigned NOT NULL,
	`quantity` int NOT NULL,
	`unit_price` bigint NOT NULL,
	CONSTRAINT `order_items_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`status` enum('PAID','CANCELLED') NOT NULL,
	`total_amount` bigint NOT NULL,
	`discount_amount` bigint NOT NULL,
	`paid_amount` bigint NOT NULL,
	`coupon_id` bigint unsigned,
	`reservation_id` varchar(40) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`cancelled_at` datetime(3),
	CONSTRAINT `orders_id` PRIMARY KEY(`id`),
	CONSTRAINT `orders_reservation_uq` UNIQUE(`reservation_id`)
);
--> statement-breakpoint
CREATE TABLE `reservation_outcomes` (
	`reservation_id` varchar(40) NOT NULL,
	`outcome` enum('ORDER','VOID') NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `reservation_outcomes_reservation_id` PRIMARY KEY(`reservation_id`)
);
--> statement-breakpoint
CREATE TABLE `popular_snapshot_items` (
	`snapshot_id` bigint unsigned NOT NULL,
	`rank` int NOT NULL,
	`product_id` bigint unsigned NOT NULL,
	`name` varchar(100) NOT NULL,
	`sales_count` int NOT NULL,
	CONSTRAINT `popular_snapshot_items_snapshot_id_rank_pk` PRIMARY KEY(`snapshot_id`,`rank`)
);
--> statement-breakpoint
CREATE TABLE `popular_snapshots` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`window_from` datetime(3) NOT NULL,
	`window_to` datetime(3) NOT NULL,
	`computed_at` datetime(3) NOT NULL,
	CONSTRAINT `popular_snapshots_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `point_history_user_id_idx` ON `point_history` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `product_options_product_id_idx` ON `product_options` (`product_id`,`position`);--> statement-breakpoint
CREATE INDEX `user_coupons_user_idx` ON `user_coupons` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `order_events_pending_idx` ON `order_events` (`delivered_at`,`id`);--> statement-breakpoint
CREATE INDEX `order_items_order_idx` ON `order_items` (`order_id`,`position`);--> statement-breakpoint
CREATE INDEX `orders_user_idx` ON `orders` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `popular_snapshots_computed_idx` ON `popular_snapshots` (`computed_at`);