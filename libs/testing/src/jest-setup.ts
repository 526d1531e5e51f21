// The int and e2e tiers wait for real brokers and databases; a first consumer-group join alone can take seconds.
jest.setTimeout(120_000);
