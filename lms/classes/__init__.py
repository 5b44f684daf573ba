"""Classes the platform runs (培训班): their schedule, blackout periods, sign-up, seat quotas
per unit, nominations and the waiting list."""
