import ArgumentParser
import ContactClient
import ContactCore

/// `contactctl upsert --id ID [--set key=value]… [--json '{operators}']`: upserts one contact.
struct UpsertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upsert",
        abstract: "Inserts or updates one contact.",
        discussion: """
            --json gives update operators ({"$inc":{"totalOrders":1}}); each --set key=value adds \
            a $set of the string value (after those of --json). Prints the result as JSON.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "The contact's external id.")
    var id: String

    @Option(name: .customLong("set"), help: "Sets a profile field to a string: key=value (repeatable).")
    var assignments: [String] = []

    @Option(name: .long, help: "Update operators as a JSON object.")
    var json: String?

    func validate() throws {
        if let problem = ExternalID.problem(with: self.id) { throw ValidationError("--id: \(problem)") }
        _ = try self.update()
    }

    func run() async throws {
        let update = try self.update()
        let client = try self.connection.makeClient()
        let result = try await client.upsert(id: self.id, update)
        await client.close()
        ResultOutput.print(ResultOutput.json(result))
        if !result.success { throw ContactCtl.entriesFailed }
    }

    private func update() throws -> ProfileUpdate {
        var update = ProfileUpdate()
        if let json = self.json {
            let value: JSON
            do {
                value = try JSONParser.parse(json)
            } catch {
                throw ValidationError("--json: invalid JSON: \(error)")
            }
            guard case .object(let operators) = value else { throw ValidationError("--json must be a JSON object") }
            update = ProfileUpdate(operators: operators)
        }
        for assignment in self.assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ValidationError("--set expects key=value, got \"\(assignment)\"")
            }
            update = update.set(String(assignment[..<equals]), String(assignment[assignment.index(after: equals)...]))
        }
        return update
    }
}
