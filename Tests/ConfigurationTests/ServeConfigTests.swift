import XCTest
@testable import Configuration
