import ContactCore
import Testing

struct JSONParserTests {
    /// A simple object parses with members in order.
    @Test func parsesObject() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":[true,null,2.5,"x"]}"#)
        #expect(JSONWriter.string(value) == #"{"b":1,"a":[true,null,2.5,"x"]}"#)
    }
}
