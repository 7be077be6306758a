"""What a policy would do: the replay of the recorded asks through a proposed policy, and a
synthetic program year played with and without the ledger's rules. Read-only on the program's data."""
