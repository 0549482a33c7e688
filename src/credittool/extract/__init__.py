"""Extract: one file's sheets → its rows as columns, with rejects and skipped rows; in worker
processes (`workers`)."""
