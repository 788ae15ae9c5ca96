import Foundation

/// The checked-in OpenAPI 3.1 document (`openapi.yaml` in this module), served at `/openapi.yaml`.
public enum OpenAPIDocument {
    public static let yaml: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            return
                "openapi: 3.1.0\ninfo: { title: trustd API (document missing from the build), version: 0.0.0 }\npaths: {}\n"
        }
        return text
    }()
}
