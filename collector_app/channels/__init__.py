"""Ways a reminder leaves the program: e-mail over SMTP and SMS over an HTTP gateway."""
