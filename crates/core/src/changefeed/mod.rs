//! The notary trust changefeed: request builder, record parser and the pager.
