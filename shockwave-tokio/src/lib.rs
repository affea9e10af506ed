//! Placeholder until the adapter issue (#3) lands.
