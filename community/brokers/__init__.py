"""The social broker's work: requests for a broker (BrokerRequest) and the referrals (verbindingen) the broker
records and follows up, with their pages under /sociale-kaart/makelaar/ and /sociale-kaart/verbindingen/. The
models live in community/models.py."""
