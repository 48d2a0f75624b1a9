import Testing
import BottleneckCore
import BottleneckTestSupport

@Suite struct GzipInputTests {
    func analyze(_ name: String) -> InputAccounting {
        let a = Analyzer(options: AnalysisOptions())
        a.analyze(path: fixturePath("gzip/" + name))
        return a.result.inputs[0]
    }

    @Test func multiMemberGzipReadsEveryMember() {
        // Two gzip members of 150 lines each, concatenated (as `cat a.gz b.gz` makes).
        let i = analyze("two-members.log.gz")
        #expect(i.isGzip)
        #expect(i.error == nil)
        #expect(i.lines == 300)
        #expect(i.balanced)
    }

    @Test func truncatedGzipNamesTheFileAndKeepsWhatWasRead() {
        // The first half of a 3,000-line member: `zcat` yields 1,319 whole lines and a partial one.
        let i = analyze("truncated.log.gz")
        #expect(i.error?.contains("truncated.log.gz") == true)
        #expect(i.error?.contains("truncated") == true)
        #expect(i.lines == 1320)
        #expect(i.balanced)
    }

    @Test func corruptGzipNamesTheFile() {
        let i = analyze("corrupt.log.gz")
        #expect(i.error?.contains("corrupt.log.gz") == true)
        #expect(i.lines > 0)
        #expect(i.balanced)
    }

    @Test func missingFileIsReportedAndOthersStillAnalyzed() {
        let a = Analyzer(options: AnalysisOptions())
        a.analyze(path: fixturePath("gzip/does-not-exist.log"))
        a.analyze(path: fixturePath("gzip/two-members.log.gz"))
        #expect(a.result.inputs.count == 2)
        #expect(a.result.inputs[0].error?.contains("does-not-exist.log") == true)
        #expect(a.result.inputs[0].lines == 0)
        #expect(a.result.inputs[1].lines == 300)
        #expect(a.result.hadInputErrors)
    }

    @Test func gzipIsDetectedByContentNotName() throws {
        // The same bytes under a name without .gz are still inflated.
        let tmp = "/tmp/bottleneck-test-\(getpidValue())-nogz.log"
        try copyFile(fixturePath("gzip/two-members.log.gz"), tmp)
        defer { removeFile(tmp) }
        let a = Analyzer(options: AnalysisOptions())
        a.analyze(path: tmp)
        #expect(a.result.inputs[0].isGzip)
        #expect(a.result.inputs[0].lines == 300)
    }
}
