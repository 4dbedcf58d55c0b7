"""Telegram handlers: parse an update, call one service, render with texts and keyboards."""
