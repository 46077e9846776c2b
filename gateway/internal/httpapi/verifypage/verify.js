/* govchain licence verification page: vanilla JavaScript, no dependencies, no build step.
 *
 * A phone opens <public_url>/verify#GOVCHAIN-BL:1:USCC:VERSION:CODE from a licence's QR code.
 * The payload is read from the URL's fragment (never sent to a server by the browser) and
 * posted to the gateway's public verification API; the verdict is shown big. Everything shown
 * is set with textContent: no markup is ever built from data (the page's Content-Security-
 * Policy also forbids inline script). Nothing is stored: no cookies, no web storage.
 */
(function () {
  'use strict';

  // Relative to /verify, so that the page also works under a path prefix of the public URL.
  var VERIFY_API = 'api/v1/licences/verify';
  var PAYLOAD_PREFIX = 'GOVCHAIN-BL:';

  var VERDICTS = {
    VALID: { cls: 'ok', mark: '✓', zh: '有效', en: 'VALID' },
    SUPERSEDED: { cls: 'warn', mark: '!', zh: '已被取代', en: 'SUPERSEDED' },
    TAMPERED: { cls: 'bad', mark: '✗', zh: '无效', en: 'TAMPERED' },
    UNKNOWN: { cls: 'bad', mark: '✗', zh: '未找到', en: 'UNKNOWN' }
  };
  // The business's status (the licence's standing), in words.
  var STATUSES = {
    ACTIVE: { zh: '存续（正常经营）', en: 'Active (trading)' },
    SUSPENDED: { zh: '暂停经营', en: 'Suspended' },
    REVOKED: { zh: '已吊销', en: 'Revoked' },
    DEREGISTERED: { zh: '已注销', en: 'Deregistered' }
  };

  function $(id) { return document.getElementById(id); }

  function show(id, on) { $(id).hidden = !on; }

  function setText(id, text) { $(id).textContent = text; }

  function reset() {
    ['verdict', 'status-warning', 'facts', 'error', 'busy'].forEach(function (id) { show(id, false); });
    document.body.removeAttribute('data-result');
  }

  function showError(text) {
    reset();
    setText('error', text);
    show('error', true);
    document.body.setAttribute('data-result', 'ERROR');
  }

  function statusWords(status) {
    var s = STATUSES[status];
    if (!s) return status || '—';
    return s.zh + ' · ' + s.en + ' (' + status + ')';
  }

  function showVerdict(v) {
    reset();
    var d = VERDICTS[v.result];
    if (!d) {
      showError('无法识别的核验结果 The gateway answered an unknown result: ' + String(v.result));
      return;
    }
    var box = $('verdict');
    box.className = 'verdict ' + d.cls;
    box.setAttribute('data-result', v.result);
    setText('verdict-mark', d.mark);
    setText('verdict-zh', d.zh);
    setText('verdict-en', d.en);
    var detail = '';
    if (v.result === 'VALID') {
      detail = '真实且为现行版本 · Authentic and the current version';
    } else if (v.result === 'SUPERSEDED') {
      detail = '执照真实，但已被第 ' + v.superseded_by + ' 版取代 · Authentic, but superseded by version ' + v.superseded_by;
    } else if (v.result === 'TAMPERED') {
      detail = '执照内容与账本记录不符 · NOT AUTHENTIC: it differs from the record on the ledger';
    } else {
      detail = '账本上没有这份执照 · No such licence is recorded on the ledger';
    }
    setText('verdict-detail', detail);
    show('verdict', true);

    setText('f-uscc', v.uscc || '—');
    setText('f-version', v.version ? String(v.version) : '—');
    var st = $('f-status');
    st.textContent = statusWords(v.status);
    st.className = v.status === 'ACTIVE' ? 'status-ok' : (v.status ? 'status-bad' : '');
    var tampered = Array.isArray(v.tampered_fields) ? v.tampered_fields : [];
    setText('f-tampered', tampered.join(', '));
    show('f-tampered', tampered.length > 0);
    show('f-tampered-label', tampered.length > 0);
    setText('f-message', v.message || '');
    show('facts', true);

    if (v.status && v.status !== 'ACTIVE' && STATUSES[v.status]) {
      var s = STATUSES[v.status];
      setText('status-warning', '注意：该企业当前状态为“' + s.zh + '”，不得正常经营。 ' +
        'Warning: the business is ' + v.status + (v.valid ? ' — the licence is authentic, but the business may not trade.' : '.'));
      show('status-warning', true);
    }
    document.body.setAttribute('data-result', v.result);
  }

  var inFlight = false;

  function verify(body) {
    if (inFlight) return;
    inFlight = true;
    reset();
    show('busy', true);
    $('verify-submit').disabled = true;
    var done = function () {
      inFlight = false;
      $('verify-submit').disabled = false;
      show('busy', false);
    };
    fetch(VERIFY_API, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer'
    }).then(function (res) {
      return res.text().then(function (text) {
        var doc = null;
        try { doc = JSON.parse(text); } catch (e) { doc = null; }
        done();
        if (res.status === 200 && doc && typeof doc === 'object') {
          showVerdict(doc);
          return;
        }
        var msg = doc && doc.error && doc.error.message ? String(doc.error.message) : ('HTTP ' + res.status);
        if (res.status === 429) {
          var secs = parseInt(res.headers.get('Retry-After') || '', 10);
          if (!(secs > 0)) secs = 60;
          showError('您所在地址的核验次数过多，请 ' + secs + ' 秒后再试。 ' +
            'Too many verifications from your address, try again in ' + secs + ' s.');
        } else if (res.status === 400) {
          showError('无法核验：内容不是有效的执照二维码或执照 JSON。 Cannot verify: ' + msg);
        } else {
          showError('核验服务暂时不可用，请稍后再试。 Verification is unavailable right now (' + msg + ').');
        }
      });
    }).catch(function (err) {
      done();
      showError('无法连接核验服务。 Cannot reach the verification service: ' + String(err && err.message || err));
    });
  }

  // A licence's JSON (or the gateway's licence view, whose "licence" is one).
  function licenceShape(o) {
    return o && typeof o === 'object' && !Array.isArray(o) &&
      typeof o.uscc === 'string' && typeof o.version === 'number' && typeof o.verification_code === 'string';
  }

  // The request for a pasted text: {licence} for a licence's JSON, else {payload}.
  function requestFor(text) {
    var t = text.trim();
    if (t.charAt(0) === '{') {
      var obj = null;
      try { obj = JSON.parse(t); } catch (e) { obj = null; }
      if (licenceShape(obj)) return { licence: obj };
      if (obj && licenceShape(obj.licence)) return { licence: obj.licence };
    }
    return { payload: t };
  }

  function fromHash() {
    var h = location.hash ? location.hash.slice(1) : '';
    if (!h) return;
    try { h = decodeURIComponent(h); } catch (e) { /* keep it as it is */ }
    h = h.trim();
    if (h.indexOf(PAYLOAD_PREFIX) !== 0) {
      showError('链接中没有执照二维码内容。 The link does not carry a licence QR code payload.');
      return;
    }
    $('verify-input').value = h;
    verify({ payload: h });
  }

  function init() {
    $('verify-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var text = $('verify-input').value;
      if (!text.trim()) {
        showError('请粘贴二维码内容或执照 JSON。 Paste the QR code text or the licence JSON.');
        return;
      }
      verify(requestFor(text));
    });
    window.addEventListener('hashchange', fromHash);
    fromHash();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
