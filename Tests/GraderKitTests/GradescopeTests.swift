import Foundation
import Testing
import WorkbookTestSupport

@testable import GraderKit

// Gradescope's images are Ubuntu, and the scripts use GNU coreutils (sha256sum, base64): their
// tests run where they do.
#if os(Linux)

  /// `Gradescope/setup.sh` and `Gradescope/run_autograder`, run in a simulated `/autograder` layout.
  ///
  /// Every path the scripts use is moved into a temporary folder through the environment: the
  /// Swift "download" is a fake tarball behind a `file://` URL, `apt-get` and the workbook's
  /// `grader` are scripts that note how they were called, and nothing leaves the machine.
  @Suite("Grader · Gradescope scripts")
  struct GradescopeTests {
    @Test(
      "setup.sh installs the toolchain of the image's Ubuntu release, checked, and warms the build with one compiler",
      arguments: [("22.04", "ubuntu2204", "libgcc-11-dev"), ("24.04", "ubuntu2404", "libgcc-13-dev")])
    func setup(release: String, platform: String, gccPackage: String) throws {
      let layout = try Layout(ubuntu: release)
      defer { layout.remove() }
      let tarball = try layout.publishToolchain(platform: platform, ubuntu: release)
      let outcome = try layout.run("setup.sh", ["SWIFT_SHA256": SHA256.hex(of: Data(contentsOf: tarball))])
      #expect(outcome.termination == .exited(0), "\(outcome.output)")
      let apt = try layout.text(of: "apt.log")
      #expect(apt.contains("install") && apt.contains(gccPackage), "\(apt)")
      let swift = layout.folder.appendingPathComponent("bin/swift")
      #expect(FileManager.default.isExecutableFile(atPath: swift.path), "linked into BIN_DIR")
      let grader = try layout.text(of: "grader.log")
      #expect(grader.contains("--submission \(layout.autograder.path)/source --jobs 1"), "\(grader)")
      #expect(grader.contains("GRADER_BUILD_JOBS=1"), "\(grader)")
      #expect(
        grader.contains("Swift version \(Layout.fakeVersion)"),
        "the installed toolchain is on PATH: \(grader)")
    }

    @Test("setup.sh refuses a download whose checksum differs, and installs and builds nothing")
    func setupChecksDownload() throws {
      let layout = try Layout(ubuntu: "24.04")
      defer { layout.remove() }
      _ = try layout.publishToolchain(platform: "ubuntu2404", ubuntu: "24.04")
      let outcome = try layout.run("setup.sh", ["SWIFT_SHA256": String(repeating: "0", count: 64)])
      #expect(outcome.termination != .exited(0), "\(outcome.output)")
      let installed = layout.folder.appendingPathComponent(
        "opt/swift-\(Layout.fakeVersion)-RELEASE-ubuntu24.04")
      #expect(!FileManager.default.fileExists(atPath: installed.path))
      #expect(!FileManager.default.fileExists(atPath: layout.folder.appendingPathComponent("bin/swift").path))
      #expect(
        !FileManager.default.fileExists(atPath: layout.folder.appendingPathComponent("grader.log").path))
    }

    @Test("setup.sh stops with exit code 3 on an Ubuntu release it has no toolchain for")
    func setupUnknownRelease() throws {
      let layout = try Layout(ubuntu: "20.04")
      defer { layout.remove() }
      let outcome = try layout.run("setup.sh", [:])
      #expect(outcome.termination == .exited(3), "\(outcome.output)")
      #expect(outcome.output.contains("22.04 or 24.04"), "\(outcome.output)")
    }

    @Test("run_autograder keeps the grader's results.json and exits 0 when a chapter fails")
    func gradedSubmission() throws {
      let layout = try Layout(ubuntu: "24.04", graderExit: 1, writesResults: true)
      defer { layout.remove() }
      let outcome = try layout.run("run_autograder", [:])
      #expect(outcome.termination == .exited(0), "\(outcome.output)")
      #expect(try layout.results()["score"] as? Double == 15)
      let grader = try layout.text(of: "grader.log")
      #expect(
        grader.contains("--submission \(layout.autograder.path)/submission --jobs 1 --gradescope"),
        "\(grader)")
    }

    @Test(
      "run_autograder writes results.json with 0 points and the grader's words when the grader exits 3",
      arguments: [true, false])
    func brokenGrade(writesResults: Bool) throws {
      let layout = try Layout(ubuntu: "24.04", graderExit: 3, writesResults: writesResults)
      defer { layout.remove() }
      let outcome = try layout.run("run_autograder", [:])
      #expect(outcome.termination == .exited(0), "\(outcome.output)")
      let results = try layout.results()
      #expect(results["score"] as? Double == 0)
      #expect((results["tests"] as? [Any])?.isEmpty == true)
      let output = try #require(results["output"] as? String)
      #expect(output.contains("exited with 3"), "\(output)")
      #expect(output.contains(Layout.lastWords), "\(output)")
    }

    @Test(
      "make-autograder zips the student edition with setup.sh and run_autograder at its top: no Solutions/, no mutants, no grader's own tests"
    )
    func autograderZip() throws {
      let release = try Release.make()
      defer { release.remove() }
      let kit = release.instructor.appendingPathComponent("Gradescope")
      try FileManager.default.createDirectory(at: kit, withIntermediateDirectories: true)
      for script in ["setup.sh", "run_autograder", "make-autograder"] {
        try FileManager.default.copyItem(
          at: FixtureWorkbook.checkout.appendingPathComponent("Gradescope/\(script)"),
          to: kit.appendingPathComponent(script))
      }
      // `./grader` of the script: the build under test, in the instructor's fixture workbook.
      let shim = release.folder.appendingPathComponent("grader")
      try GraderBinary.script(at: shim, root: release.instructor)
      let zip = release.folder.appendingPathComponent("autograder.zip")
      let outcome = try Subprocess(
        executable: "/bin/bash", arguments: [kit.appendingPathComponent("make-autograder").path, zip.path],
        environment: ["GRADER": shim.path], deadline: Liveness.deadline
      ).run()
      #expect(outcome.termination == .exited(0), "\(outcome.output)")
      let listing = try Subprocess(executable: "unzip", arguments: ["-Z1", zip.path]).run().output
      let entries = Set(listing.split(separator: "\n").map(String.init))
      #expect(entries.contains("setup.sh") && entries.contains("run_autograder"), "\(entries.sorted())")
      #expect(entries.contains("Tests/FailingTests/FailingTests.swift") && entries.contains("Package.swift"))
      #expect(entries.contains("Exercises/02-Failing/Failing.swift"))
      let answerKey = entries.filter {
        $0.hasPrefix("Solutions") || $0.hasPrefix("Tests/Mutants") || $0.hasPrefix("Tests/GraderKitTests")
          || $0.hasPrefix(".git/") || $0.hasPrefix(".build") || $0.hasPrefix(".grader")
      }
      #expect(answerKey.isEmpty, "\(answerKey.sorted())")
      let solution = try FixtureWorkbook.text(of: "Solutions/02-Failing/Failing.swift")
      let shipped = try Subprocess(executable: "unzip", arguments: ["-p", zip.path]).run().output
      #expect(!shipped.contains(solution), "no file of the zip carries the solution")
    }

    @Test(
      "an upload with no chapter folder is told to hand in the Exercises/ folder or a zip of it, not to use git"
    )
    func uploadWithoutChapters() async throws {
      let results = try await onOwnThread {
        let workbook = try FixtureWorkbook.course()
        defer { workbook.release() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "public func double(_ x: Int) -> Int { 2 * x }\n".write(
          to: folder.appendingPathComponent("Failing.swift"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("results.json")
        _ = try runCommand(["--submission", folder.path, "--gradescope", file.path], in: workbook.root)
        return try String(contentsOf: file, encoding: .utf8)
      }
      let object = try #require(try JSONSerialization.jsonObject(with: Data(results.utf8)) as? [String: Any])
      let outputs = (object["tests"] as? [[String: Any]] ?? []).compactMap { $0["output"] as? String }
      #expect(outputs.count == 4, "each test of the two chapters says it: \(results)")
      for output in outputs {
        #expect(output.contains("Exercises/") && output.contains("zip"), "\(output)")
        #expect(output.contains("it holds Failing.swift"), "\(output)")
        #expect(!output.contains("git"), "\(output)")
      }
    }
  }

  // MARK: - Fixtures

  /// A temporary folder laid out as Gradescope's image, with fakes for apt-get, swift and the grader.
  private struct Layout {
    static let fakeVersion = "9.9.9"
    /// What the fake grader says before it exits 3: quotes, a backslash and a tab, for the JSON.
    static let lastWords = "grader: the workbook's own code does not build: \"Sources\\x\"\t(tab)"

    let folder: URL
    var autograder: URL { folder.appendingPathComponent("autograder") }

    init(ubuntu release: String, graderExit: Int = 1, writesResults: Bool = false) throws {
      folder = FileManager.default.temporaryDirectory.appendingPathComponent("gradescope-\(UUID())")
      let source = autograder.appendingPathComponent("source")
      try FileManager.default.createDirectory(
        at: autograder.appendingPathComponent("submission/Exercises"), withIntermediateDirectories: true)
      try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
      try write("PRETTY_NAME=\"Ubuntu \(release)\"\nVERSION_ID=\"\(release)\"\n", to: "os-release")
      try write(
        "#!/bin/sh\necho \"apt-get $*\" >> \"\(folder.path)/apt.log\"\n", to: "fakebin/apt-get",
        executable: true)
      let results =
        writesResults
        ? #"""
        while [ $# -gt 0 ]; do
          if [ "$1" = --gradescope ]; then echo '{"score": 15, "output": "", "tests": []}' > "$2"; fi
          shift
        done
        """# : ""
      try write(
        """
        #!/bin/sh
        {
          echo "grader $*"
          echo "GRADER_BUILD_JOBS=$GRADER_BUILD_JOBS"
          command -v swift > /dev/null && swift --version
        } >> "\(folder.path)/grader.log"
        [ "$1" = --help ] && exit 0
        printf '%s\\n' '\(Self.lastWords.replacingOccurrences(of: "'", with: #"'\''"#))'
        \(results)
        exit \(graderExit)

        """, to: "autograder/source/grader", executable: true)
    }

    /// Makes the toolchain tarball swift.org would serve for `platform`, behind `SWIFT_DOWNLOAD_BASE`.
    func publishToolchain(platform: String, ubuntu release: String) throws -> URL {
      let name = "swift-\(Self.fakeVersion)-RELEASE-ubuntu\(release)"
      try write(
        "#!/bin/sh\necho \"Swift version \(Self.fakeVersion) (fake)\"\n", to: "staging/\(name)/usr/bin/swift",
        executable: true)
      let tarball = folder.appendingPathComponent(
        "downloads/swift-\(Self.fakeVersion)-release/\(platform)/swift-\(Self.fakeVersion)-RELEASE/\(name).tar.gz"
      )
      try FileManager.default.createDirectory(
        at: tarball.deletingLastPathComponent(), withIntermediateDirectories: true)
      let outcome = try Subprocess(
        executable: "tar",
        arguments: ["-czf", tarball.path, "-C", folder.appendingPathComponent("staging").path, name]
      ).run()
      #expect(outcome.termination == .exited(0), "\(outcome.output)")
      return tarball
    }

    /// Runs one of the checkout's Gradescope scripts with every path moved into the folder.
    func run(_ script: String, _ environment: [String: String]) throws -> Subprocess.Outcome {
      let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
      let moved = [
        "AUTOGRADER_ROOT": autograder.path, "SWIFT_INSTALL_ROOT": folder.appendingPathComponent("opt").path,
        "BIN_DIR": folder.appendingPathComponent("bin").path,
        "OS_RELEASE_FILE": folder.appendingPathComponent("os-release").path,
        "SWIFT_DOWNLOAD_BASE": "file://" + folder.appendingPathComponent("downloads").path,
        "SWIFT_KEYS_URL": "file:///nonexistent", "SWIFT_VERSION": Self.fakeVersion,
        "PATH": folder.appendingPathComponent("fakebin").path + ":" + path,
      ]
      return try Subprocess(
        executable: "/bin/bash",
        arguments: [FixtureWorkbook.checkout.appendingPathComponent("Gradescope/\(script)").path],
        environment: moved.merging(environment) { _, new in new }, deadline: Liveness.deadline
      ).run()
    }

    func results() throws -> [String: Any] {
      let data = try Data(contentsOf: autograder.appendingPathComponent("results/results.json"))
      return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func text(of name: String) throws -> String {
      try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    private func write(_ text: String, to name: String, executable: Bool = false) throws {
      let file = folder.appendingPathComponent(name)
      try FileManager.default.createDirectory(
        at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
      // Under the lock every spawn takes: a child that another test forks while this file is open
      // for writing keeps it open until it execs, and running the script then fails with ETXTBSY.
      try Subprocess.spawnLock.withLock {
        try text.write(to: file, atomically: true, encoding: .utf8)
        if executable {
          try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        }
      }
    }

    func remove() {
      try? FileManager.default.removeItem(at: folder)
    }
  }
#endif
