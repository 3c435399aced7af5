"""What Model Monitor runs on the endpoint's captured traffic (record_preprocessor.py, uploaded on its own)."""
