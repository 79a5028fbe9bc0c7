import OpenAI
import XCTest

final class APIKeyVerifierTests: XCTestCase {
    func testConstantTimeEquals() {
        XCTAssertTrue(constantTimeEquals([], []))
        XCTAssertTrue(constantTimeEquals(Array("sk-123".utf8), Array("sk-123".utf8)))
        XCTAssertFalse(constantTimeEquals(Array("sk-123".utf8), Array("sk-124".utf8)), "last byte differs")
        XCTAssertFalse(constantTimeEquals(Array("ak-123".utf8), Array("sk-123".utf8)), "first byte differs")
        XCTAssertFalse(constantTimeEquals(Array("sk-12".utf8), Array("sk-123".utf8)), "prefix")
        XCTAssertFalse(constantTimeEquals(Array("sk-123".utf8), Array("sk-12".utf8)), "longer")
        XCTAssertFalse(constantTimeEquals([], [0]), "a zero byte is not padding")
        XCTAssertFalse(constantTimeEquals([0], []))
        XCTAssertFalse(constantTimeEquals([1, 2], [2, 1]))
        for byte in UInt8.min...UInt8.max where byte != 0x41 {
            XCTAssertFalse(constantTimeEquals([0x41, 0x42], [byte, 0x42]))
        }
    }

    func testVerify() {
        let verifier = APIKeyVerifier(keys: ["sk-one", "sk-two", ""])
        XCTAssertTrue(verifier.verify(authorizationHeader: "Bearer sk-one"))
        XCTAssertTrue(verifier.verify(authorizationHeader: "Bearer sk-two"))
        XCTAssertTrue(verifier.verify(authorizationHeader: "bearer sk-two"), "the scheme is case-insensitive")
        XCTAssertTrue(verifier.verify(authorizationHeader: "  BEARER   sk-one  "))
        XCTAssertFalse(verifier.verify(authorizationHeader: "Bearer sk-ONE"), "keys are case-sensitive")
        XCTAssertFalse(verifier.verify(authorizationHeader: "Bearer sk-one2"))
        XCTAssertFalse(verifier.verify(authorizationHeader: "Bearer sk-on"))
        XCTAssertFalse(verifier.verify(authorizationHeader: "Bearer "), "an empty key configured does not admit an empty token")
        XCTAssertFalse(verifier.verify(authorizationHeader: "Bearer"))
        XCTAssertFalse(verifier.verify(authorizationHeader: "Basic sk-one"))
        XCTAssertFalse(verifier.verify(authorizationHeader: "sk-one"))
        XCTAssertFalse(verifier.verify(authorizationHeader: ""))
        XCTAssertFalse(verifier.verify(authorizationHeader: nil))
    }

    func testNoKeysRejectsEverything() {
        let verifier = APIKeyVerifier(keys: [])
        XCTAssertFalse(verifier.verify(authorizationHeader: "Bearer anything"))
        XCTAssertFalse(verifier.verify(authorizationHeader: "Bearer "))
    }

    func testBearerToken() {
        XCTAssertEqual(APIKeyVerifier.bearerToken(from: "Bearer abc"), "abc")
        XCTAssertEqual(APIKeyVerifier.bearerToken(from: "Bearer\tabc "), "abc")
        XCTAssertNil(APIKeyVerifier.bearerToken(from: "Bearer   "))
        XCTAssertNil(APIKeyVerifier.bearerToken(from: "Token abc"))
        XCTAssertNil(APIKeyVerifier.bearerToken(from: nil))
    }
}
