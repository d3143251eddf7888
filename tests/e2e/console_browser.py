#!/usr/bin/python3
"""The console in headless Chromium (run by console_browser.sh).

Every step waits for what it expects on the page (bounded), never a fixed
sleep; a screenshot of each page is kept in --artifacts.
"""
import argparse
import json
import os
import subprocess
import sys
import tarfile
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 60


def main():
    ap = argparse.ArgumentParser()
    for a in ("work", "link", "request", "tampered", "ctl", "config", "artifacts"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    base = args.link.split("/login")[0]
    downloads = os.path.join(args.work, "downloads")
    os.makedirs(downloads, exist_ok=True)

    def ctl(*a):
        return subprocess.run([args.ctl, "-c", args.config, *a], check=True, capture_output=True, text=True).stdout

    def gw(key, user, *cmd, token="", **kw):
        env = dict(os.environ, TOKEN=token)
        return subprocess.Popen([os.path.join(args.work, "gw"), key, user, *cmd], env=env, **kw)

    o = Options()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
              "--user-data-dir=" + os.path.join(args.work, "chromium"), "--no-first-run"):
        o.add_argument(a)
    # The console's certificate is its own self-signed one (console.sh checks its fingerprint).
    o.set_capability("acceptInsecureCerts", True)
    o.add_experimental_option("prefs", {"download.default_directory": downloads,
                                        "download.prompt_for_download": False})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    wait = WebDriverWait(d, WAIT)
    step = [0]

    def shot(name):
        step[0] += 1
        d.save_screenshot(os.path.join(args.artifacts, "%02d-%s.png" % (step[0], name)))

    def text_of(css):
        els = d.find_elements(By.CSS_SELECTOR, css)
        return els[0].text if els else ""

    def until(what, fn):
        try:
            return wait.until(lambda _: fn())
        except TimeoutException:
            shot("failed-" + what.replace(" ", "-"))
            raise SystemExit("timed out waiting for " + what + "; page: " + d.find_element(By.TAG_NAME, "body").text[:600])

    try:
        print("# sign in with the one-time link")
        d.get(args.link)
        d.find_element(By.ID, "signin").click()
        until("signed in", lambda: "wang (approver)" in text_of("#who"))

        print("# approve the waiting request, saying how consent was given")
        until("the request", lambda: d.find_elements(By.CSS_SELECTOR, "form[data-decide='requests-%s']" % args.request))
        form = d.find_element(By.CSS_SELECTOR, "form[data-decide='requests-%s']" % args.request)
        Select(form.find_element(By.NAME, "method")).select_by_value("phone")
        form.find_element(By.NAME, "note").send_keys("approved by phone with the site manager")
        form.find_element(By.NAME, "approve").click()
        until("the approval", lambda: "approved by wang" in text_of(".flash"))
        shot("approved")
        waiter = gw("alice", "alice", "request", "wait", args.request, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True)
        out, err = waiter.communicate(timeout=WAIT)
        assert waiter.returncode == 0, "request wait: " + err
        token = out.strip().splitlines()[-1]
        assert token.startswith("rg-"), out

        print("# watch a running session's output appear")
        sess = gw("alice", "alice+router1", "echo LIVE-MARKER-1; read x; echo got-$x; echo LIVE-END", token=token,
                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + WAIT
        sid = None
        while time.time() < deadline and sid is None:
            running = [s for s in json.loads(ctl("sessions", "list", "--json")) if not s["ended_at"]]
            sid = running[0]["id"] if running else None
            if sid is None:
                time.sleep(0.2)
        assert sid, "the session did not start"
        d.get(base + "/sessions")
        until("the running session", lambda: sid in text_of("#running"))
        d.find_element(By.CSS_SELECTOR, "#running a[href='/sessions/%s']" % sid).click()
        until("live output", lambda: "LIVE-MARKER-1" in text_of("#live"))
        shot("live")
        sess.stdin.write("bye\n")
        sess.stdin.close()
        sess.wait(timeout=WAIT)
        assert sess.returncode == 0, sess.stderr.read()

        print("# the ended session replays in asciinema-player, its recording shown intact and sealed")
        until("the player", lambda: d.find_elements(By.CSS_SELECTOR, "#player .ap-player"))
        until("the verdict", lambda: "Intact and sealed" in text_of("#verdict"))
        until("the commands", lambda: d.find_elements(By.CSS_SELECTOR, "#commands tr.cmd"))
        d.find_element(By.CSS_SELECTOR, "#player .ap-player").click()	# play
        until("the replayed output", lambda: "got-bye" in (d.find_element(By.CSS_SELECTOR, "#player").text))
        assert "LIVE-MARKER-1" in d.find_element(By.CSS_SELECTOR, "#player").text
        shot("replay")

        print("# a tampered recording is flagged")
        d.get(base + "/sessions/" + args.tampered)
        until("the tampered verdict", lambda: "Tampered at record" in text_of("#verdict"))
        assert "bad" in d.find_element(By.ID, "verdict").get_attribute("class")
        shot("tampered")

        print("# record an approval (its token shown once), then revoke it")
        d.get(base + "/approvals")
        until("the approval form", lambda: d.find_elements(By.ID, "new-approval"))
        f = d.find_element(By.ID, "new-approval")
        f.find_element(By.NAME, "engineer").send_keys("bob")
        f.find_element(By.NAME, "ticket").send_keys("INC-BROWSER")
        f.find_element(By.NAME, "valid").clear()
        f.find_element(By.NAME, "valid").send_keys("30m")
        f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        until("the new token", lambda: "rg-" in text_of(".flash"))
        shot("approval-created")
        rows = [a for a in json.loads(ctl("approvals", "list", "--json")) if a["ticket"] == "INC-BROWSER"]
        assert len(rows) == 1 and rows[0]["approver"] == "wang", rows
        row = until("the approval row", lambda: [r for r in d.find_elements(By.CSS_SELECTOR, "#approvals tbody tr")
                                                 if "INC-BROWSER" in r.text])[0]
        row.find_element(By.TAG_NAME, "button").click()
        until("revoked", lambda: "revoked" in text_of(".flash"))
        rows = [a for a in json.loads(ctl("approvals", "list", "--json")) if a["ticket"] == "INC-BROWSER"]
        assert rows[0]["status"] == "revoked", rows

        print("# a report: open it and download its signed bundle")
        narrative = os.path.join(args.work, "narrative.yaml")
        with open(narrative, "w") as fh:
            fh.write('fault: "Link flaps on sw2"\ncause: "Duplex mismatch"\nactions: "Forced full duplex"\n'
                     'result: restored\nprevention: "Pin duplex on uplinks"\n')
        ctl("report", "create", sid, "--from", narrative, "--out", os.path.join(args.work, "bundle"))
        rid = json.loads(ctl("report", "list", "--json"))[0]["id"]
        d.get(base + "/reports")
        until("the report list", lambda: "Link flaps on sw2" in text_of("#reports"))
        d.find_element(By.CSS_SELECTOR, "#reports a[href='/reports/%s']" % rid).click()
        until("the report", lambda: d.find_elements(By.ID, "bundle"))
        shot("report")
        d.find_element(By.ID, "bundle").click()
        tar = os.path.join(downloads, "report-%s.tar" % rid)
        until("the download", lambda: os.path.exists(tar) and not os.path.exists(tar + ".crdownload"))
        unpack = os.path.join(args.work, "unpacked")
        with tarfile.open(tar) as t:
            t.extractall(unpack)
        v = subprocess.run([args.ctl, "-c", args.config, "verify", os.path.join(unpack, "report-%s" % rid)],
                           capture_output=True, text=True)
        assert v.returncode == 0 and "OK:" in v.stdout, v.stdout + v.stderr

        print("# the event log, filtered")
        d.get(base + "/events?kind=console_login")
        until("filtered events", lambda: "console:wang" in text_of("#events"))
        kinds = {r.find_elements(By.TAG_NAME, "td")[2].text for r in d.find_elements(By.CSS_SELECTOR, "#events tbody tr")}
        assert kinds == {"console_login"}, kinds
        shot("events")

        print("# log out")
        d.find_element(By.ID, "logout").click()
        until("logged out", lambda: "logged out" in text_of("#message"))
        d.get(base + "/")
        until("signed out for good", lambda: "Not signed in" in d.find_element(By.TAG_NAME, "h1").text)
    finally:
        d.quit()
    print("# browser steps passed; screenshots in " + args.artifacts)


if __name__ == "__main__":
    sys.exit(main())
