//! Mojibake repair at compiled speed for the common cases, giving exactly ftfy's result on them.
