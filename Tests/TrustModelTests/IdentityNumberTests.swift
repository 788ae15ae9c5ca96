import Testing
import TrustModel

@Suite struct CitizenIDNumberTests {
    @Test(arguments: ["11010519491231002X", "110101199003071233", "360426199101010071", "11010519491231002x"])
    func publishedValidNumbersPass(_ number: String) throws {
        #expect(try CitizenIDNumber.validate(number) == number.uppercased())
    }

    @Test func eachFailureIsNamed() {
        #expect(throws: IdentityNumberError.checkCharacter(expected: "X", got: "1")) {
            try CitizenIDNumber.validate("110105194912310021")
        }
        #expect(throws: IdentityNumberError.checkCharacter(expected: "3", got: "X")) {
            try CitizenIDNumber.validate("11010119900307123X")
        }
        #expect(throws: IdentityNumberError.birthDate("19900230")) {
            try CitizenIDNumber.validate("110101199002301236")
        }
        #expect(throws: IdentityNumberError.length(expected: 18, got: 17)) {
            try CitizenIDNumber.validate("11010519491231002")
        }
        #expect(throws: IdentityNumberError.character(position: 3, character: "A")) {
            try CitizenIDNumber.validate("11A10519491231002X")
        }
    }

    @Test func randomValidNumbersPassAndAnyOneCharacterChangeFails() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let year = Int.random(in: 1900...2020, using: &generator)
            let month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...28, using: &generator)
            let body =
                String(format6: Int.random(in: 110000...659999, using: &generator)) + String(year) + two(month)
                + two(day)
                + String(Int.random(in: 100...999, using: &generator))
            let digits = body.map { Int(String($0))! }
            let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
            let check = Array("10X98765432")[zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 } % 11]
            let number = body + String(check)
            #expect(try CitizenIDNumber.validate(number) == number)
            var characters = Array(number)
            let position = Int.random(in: 0..<18, using: &generator)
            let alphabet: [Character] = position == 17 ? Array("0123456789X") : Array("0123456789")
            characters[position] = alphabet.filter { $0 != characters[position] }.randomElement(using: &generator)!
            #expect(throws: IdentityNumberError.self, "\(String(characters))") {
                try CitizenIDNumber.validate(String(characters))
            }
        }
    }

    @Test func masksKeepFourAndFour() {
        #expect(CitizenIDNumber.mask("34012319900307123X") == "3401**********123X")
    }

    private func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}

@Suite struct UnifiedSocialCreditCodeTests {
    @Test(arguments: ["91350100M000100Y43", "91110000600037341L"])
    func publishedValidCodesPass(_ code: String) throws {
        #expect(try UnifiedSocialCreditCode.validate(code) == code)
    }

    @Test func eachFailureIsNamed() {
        #expect(throws: IdentityNumberError.checkCharacter(expected: "L", got: "A")) {
            try UnifiedSocialCreditCode.validate("91110000600037341A")
        }
        #expect(throws: IdentityNumberError.character(position: 18, character: "I")) {
            try UnifiedSocialCreditCode.validate("91350100M000100Y4I")
        }
        #expect(throws: IdentityNumberError.length(expected: 18, got: 3)) {
            try UnifiedSocialCreditCode.validate("913")
        }
    }

    @Test func randomValidCodesPassAndAnyOneCharacterChangeFails() throws {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let body = (0..<17).map { _ in alphabet.randomElement(using: &generator)! }
            let sum = zip(body, weights).reduce(0) { $0 + alphabet.firstIndex(of: $1.0)! * $1.1 }
            let code = String(body) + String(alphabet[(31 - sum % 31) % 31])
            #expect(try UnifiedSocialCreditCode.validate(code) == code)
            var characters = Array(code)
            let position = Int.random(in: 0..<18, using: &generator)
            characters[position] = alphabet.filter { $0 != characters[position] }.randomElement(using: &generator)!
            #expect(throws: IdentityNumberError.self) { try UnifiedSocialCreditCode.validate(String(characters)) }
        }
    }
}

extension String {
    init(format6 value: Int) { self = String(value) }
}
