package io.flowgate.fastpath.parse;

final class FlowExtractorTestSupport {
    static final long NO_OFFSETS = FlowExtractor.offsets(FlowExtractor.NO_OFFSET, FlowExtractor.NO_OFFSET);

    private FlowExtractorTestSupport() {
    }
}
