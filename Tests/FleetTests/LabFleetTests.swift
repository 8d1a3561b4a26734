import Testing

/// Every test that talks to the lab fleet. Serialized: some of them take parts of the lab
/// away (a host's link, its dockerd) and would disturb the others.
@Suite("The lab fleet", .serialized)
struct LabFleetTests {}
