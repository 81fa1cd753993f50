// 贯通 web client: the little script that helps (every page works without it).
// Buttons with data-confirm ask before their form is sent.
document.addEventListener("submit", function (e) {
  var button = e.submitter;
  var text = (button && button.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
  if (text && !window.confirm(text)) {
    e.preventDefault();
  }
});
