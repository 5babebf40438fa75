//! Indicators as sensor inputs (being written).
