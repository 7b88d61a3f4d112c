"""Pure business rules: no Qt, no SQL, so every rule is testable on its own."""
