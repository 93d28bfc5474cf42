# Browser tests need Debian's Chromium (and a CJK font for readable screenshots); installed
# here when missing. Harmless where apt is unavailable: the browser tests then skip.
TEST_DEPS += browser-deps
.PHONY: browser-deps
BROWSER_PACKAGES := chromium chromium-driver fonts-wqy-microhei
browser-deps:
	@test -x /usr/bin/chromium || apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 \
		|| sudo -n apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 \
		|| echo "Chromium not installed: browser tests will be skipped"

# Only the real-browser tests (dashboard and workbench); screenshots of every step land in
# tests/browser/artifacts/ (upload that directory as the CI artifact).
.PHONY: browser-test
browser-test: install browser-deps
	$(PY) -m pytest tests/browser -q -p no:randomly
